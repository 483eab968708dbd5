// The privacy-zone editor: click the frame to place corners; the corners are kept
// in the form's text field (x,y from 0 to 1), which keyboard users can type into.
(function () {
  "use strict";
  var svg = document.getElementById("zone-canvas");
  if (!svg) { return; }
  var W = 1600, H = 900, NS = "http://www.w3.org/2000/svg";
  var field = document.getElementById("zone-points");
  var draft = document.getElementById("draft");
  var corners = document.getElementById("draft-corners");
  var saved = document.getElementById("saved-zones");

  function parse(text) {
    return text.split(";").map(function (p) { return p.trim(); }).filter(Boolean).map(function (p) {
      var xy = p.split(",").map(Number);
      return xy;
    }).filter(function (xy) {
      return xy.length === 2 && xy.every(function (n) { return isFinite(n) && n >= 0 && n <= 1; });
    });
  }

  function toSvg(points) {
    return points.map(function (p) { return (p[0] * W).toFixed(1) + "," + (p[1] * H).toFixed(1); }).join(" ");
  }

  function redraw() {
    var points = parse(field.value);
    draft.setAttribute("points", toSvg(points));
    while (corners.firstChild) { corners.removeChild(corners.firstChild); }
    points.forEach(function (p) {
      var c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", p[0] * W); c.setAttribute("cy", p[1] * H); c.setAttribute("r", 10);
      c.setAttribute("fill", "#ffc800");
      corners.appendChild(c);
    });
  }

  JSON.parse(document.getElementById("zones-data").textContent).forEach(function (zone) {
    var poly = document.createElementNS(NS, "polygon");
    poly.setAttribute("points", toSvg(zone.points));
    poly.setAttribute("class", "saved-zone");
    poly.setAttribute("fill", "rgba(0,0,0,0.85)");
    poly.setAttribute("stroke", "#e8eef5");
    poly.setAttribute("stroke-width", "3");
    var title = document.createElementNS(NS, "title");
    title.textContent = zone.name;
    poly.appendChild(title);
    saved.appendChild(poly);
  });

  svg.addEventListener("click", function (event) {
    var box = svg.getBoundingClientRect();
    var x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    var y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    var text = field.value.trim();
    field.value = (text ? text.replace(/;\s*$/, "") + "; " : "") + x.toFixed(4) + "," + y.toFixed(4);
    redraw();
  });
  field.addEventListener("input", redraw);
  document.getElementById("clear-zone").addEventListener("click", function () {
    field.value = ""; redraw(); field.focus();
  });
  redraw();
}());
