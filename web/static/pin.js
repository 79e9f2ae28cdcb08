// Placing a home on the map: a click (or dragging the pin) fills the latitude and longitude
// fields of the form beside it; the form also works typed by hand, without this script.
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("pin-map");
    if (!el || typeof L === "undefined") { return; }
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" })
        .addTo(map);
    }
    map.setView(centre, el.dataset.placed === "yes" ? 14 : 11);
    var pin = null;
    function put(point) {
      if (pin === null) {
        pin = L.marker(point, { draggable: true, title: "The home" }).addTo(map);
        pin.on("dragend", function () { fill(pin.getLatLng()); });
      } else {
        pin.setLatLng(point);
      }
      fill(L.latLng(point));
    }
    function fill(point) {
      lat.value = point.lat.toFixed(5);
      lon.value = point.lng.toFixed(5);
      el.dataset.pinned = lat.value + "," + lon.value;
    }
    if (el.dataset.placed === "yes") { put(centre); }
    map.on("click", function (event) { put(event.latlng); });
    el.dataset.ready = "yes";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else { start(); }
})();
