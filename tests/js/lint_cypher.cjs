// Neo4j's own Cypher grammar and semantic analysis (@neo4j-cypher/language-support) on a
// script file: prints {"statements": N, "errors": [...]} as JSON. Usage: node lint_cypher.cjs FILE
const fs = require("fs");
const { lintCypherQuery, parseStatementsStrs } = require("@neo4j-cypher/language-support");

const text = fs.readFileSync(process.argv[2], "utf8");
const statements = parseStatementsStrs(text).filter((s) => s.trim() && !/^\s*(\/\/[^\n]*\n?\s*)*$/.test(s));
const errors = lintCypherQuery(text, { parameters: { rows: [] } }, true)
  .filter((d) => d.severity === 1)
  .map((d) => ({ line: d.range.start.line + 1, message: d.message }));
process.stdout.write(JSON.stringify({ statements: statements.length, errors }) + "\n");
