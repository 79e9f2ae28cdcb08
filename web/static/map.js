// The day map: routes as lines through their stops, unassigned pick-ups as amber rings.
// Tiles are optional: without them (or offline) everything still draws on the plain background.
(function () {
  "use strict";
  function draw(el, data) {
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    var tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var bounds = [];
    data.routes.forEach(function (route) {
      var points = route.stops.map(function (s) { return [s.lat, s.lon]; });
      if (points.length > 1) {
        L.polyline(points, { color: route.colour, weight: 5, opacity: 0.85 })
          .bindTooltip(route.driver).addTo(map);
      }
      route.stops.forEach(function (s) {
        L.circleMarker([s.lat, s.lon], { radius: 6, color: route.colour, weight: 3,
          fillColor: "#ffffff", fillOpacity: 1 }).bindTooltip(route.driver + ": " + s.label)
          .addTo(map);
      });
      bounds = bounds.concat(points);
    });
    data.unassigned.forEach(function (m) {
      L.circleMarker([m.lat, m.lon], { radius: 10, color: "#111111", weight: 3,
        dashArray: "4 3", fillColor: "#f1a208", fillOpacity: 0.8, className: "unassigned" })
        .bindTooltip(m.label).addTo(map);
      bounds.push([m.lat, m.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
    } else {
      map.setView([54.3, -2.0], 10);
    }
    el.dataset.drawn = String(data.routes.length) + " routes, " +
      String(data.unassigned.length) + " unassigned";
  }
  function start() {
    document.querySelectorAll("[data-colour]").forEach(function (s) {
      s.style.backgroundColor = s.dataset.colour;
    });
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    fetch(el.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { draw(el, data); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else { start(); }
})();
