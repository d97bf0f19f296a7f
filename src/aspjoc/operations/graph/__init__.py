"""Link analysis: marked entities and relationships, and the visible graph around them (networkx, cytoscape.js)."""
