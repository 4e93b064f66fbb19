// Read a GEXF or GraphML file with graphology's own parsers and print, as JSON, every node
// and edge with its attributes, and the answer of a typed query asked in JavaScript:
// the contracts over $100M (amount, else obligated, in USD) with their awarding agency.
// Usage: node read_graph.cjs gexf|graphml FILE
const fs = require("fs");
const { MultiDirectedGraph } = require("graphology");
const [format, file] = process.argv.slice(2);
const parser = format === "gexf" ? require("graphology-gexf") : require("graphology-graphml");

const text = fs.readFileSync(file, "utf8");
const graph = parser.parse(MultiDirectedGraph, text, { addMissingNodes: false });
const nodes = {};
graph.forEachNode((key, attrs) => { nodes[key] = attrs; });
const edges = {};
graph.forEachEdge((key, attrs, source, target) => { edges[key] = { source, target, attrs }; });
const big = [];
graph.forEachEdge((key, attrs, source, target) => {
  const fact = graph.getNodeAttributes(source);
  if (attrs.relationship !== "AWARDING_AGENCY" || fact.kind !== "Contract" || fact.currency !== "USD") return;
  const value = fact.amount ?? fact.obligated;
  if (typeof value === "number" && value > 100000000) big.push([source, target, value]);
});
process.stdout.write(JSON.stringify({ order: graph.order, size: graph.size, nodes, edges, big }) + "\n");
