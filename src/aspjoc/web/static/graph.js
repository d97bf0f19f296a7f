/* Draws the server-rendered graph (JSON in #graph-data) with cytoscape.js; the tables below the canvas hold the same data. */
(function () {
  "use strict";
  var TLP = { clear: "#ffffff", green: "#33ff00", amber: "#ffc000", "amber+strict": "#ffc000", red: "#ff2b2b" };

  function elements(data) {
    var out = [];
    data.nodes.forEach(function (n) {
      out.push({ group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, victim: n.victim_data ? 1 : 0,
        tlp: TLP[n.tlp] || "#5b6575", focus: data.focus.indexOf(n.id) >= 0 ? 1 : 0 } });
    });
    data.edges.forEach(function (e) {
      out.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, label: e.kind.replace(/_/g, " "),
        derived: e.derived ? 1 : 0 } });
    });
    return out;
  }

  var style = [
    { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
      "text-wrap": "ellipsis", "text-max-width": 140, "width": 22, "height": 22, "color": "#1d2430" } },
    { selector: "node[kind = 'entity']", style: { "shape": "round-rectangle", "background-color": "#0b5cad", "width": 30, "height": 30,
      "border-width": 3, "border-color": "data(tlp)" } },
    { selector: "node[kind = 'entity'][victim = 1]", style: { "background-color": "#fff", "border-width": 3,
      "border-style": "dashed", "border-color": "#7b1fa2", "color": "#7b1fa2" } },
    { selector: "node[kind = 'observable']", style: { "shape": "ellipse", "background-color": "#e3e8ef", "border-width": 2, "border-color": "#5b6575" } },
    { selector: "node[kind = 'statement']", style: { "shape": "tag", "background-color": "#000", "border-width": 3,
      "border-color": "data(tlp)", "width": 16, "height": 16, "font-size": 9 } },
    { selector: "node[kind = 'domain']", style: { "shape": "diamond", "background-color": "#fff3e0", "border-width": 2, "border-color": "#e65100" } },
    { selector: "node[focus = 1]", style: { "overlay-color": "#0b5cad", "overlay-opacity": 0.15, "overlay-padding": 6, "font-weight": "bold" } },
    { selector: "edge", style: { "width": 1.6, "line-color": "#8a94a6", "curve-style": "bezier", "target-arrow-shape": "triangle",
      "target-arrow-color": "#8a94a6", "label": "data(label)", "font-size": 8, "color": "#5b6575", "text-rotation": "autorotate" } },
    { selector: "edge[derived = 1]", style: { "line-style": "dashed", "target-arrow-shape": "none", "label": "" } }
  ];

  function draw() {
    var holder = document.getElementById("cy");
    var source = document.getElementById("graph-data");
    if (!holder || !source || typeof cytoscape !== "function") { return; }
    var data = JSON.parse(source.textContent);
    if (!data || !data.nodes.length) { return; }
    holder.classList.add("live");
    var cy = cytoscape({ container: holder, elements: elements(data), style: style, wheelSensitivity: 0.3,
      layout: { name: "breadthfirst", directed: false, roots: data.focus.length ? data.focus.map(function (f) { return "#" + CSS.escape(f); }).join(",") : undefined,
        circle: data.nodes.length > 12, spacingFactor: 1.1, padding: 20, animate: false } });
    cy.on("tap", "node", function (evt) {
      var id = evt.target.id();
      window.location.href = id.indexOf("entity:") === 0 ? "/graph/entities/" + id.slice(7) : "/graph?focus=" + encodeURIComponent(id);
    });
    holder.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
