// tpp site: sort and filter the accelerator table. No dependencies; without JavaScript the full table still shows.
(function () {
  "use strict";
  var table = document.getElementById("chips");
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var rows = Array.prototype.slice.call(tbody.rows);
  var vendor = document.getElementById("f-vendor");
  var status = document.getElementById("f-status");
  var text = document.getElementById("f-text");
  var count = document.getElementById("count");

  function key(row, index, kind) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (kind === "num") { return raw === "" ? null : parseFloat(raw); }
    return raw.toLowerCase();
  }

  function sortBy(index, direction) {
    var kind = heads[index].getAttribute("data-kind");
    var sign = direction === "ascending" ? 1 : -1;
    var keyed = rows.map(function (row, i) { return [key(row, index, kind), i, row]; });
    keyed.sort(function (a, b) {
      if (a[0] === null && b[0] === null) { return a[1] - b[1]; }
      if (a[0] === null) { return 1; }   // unknown last, whichever the direction
      if (b[0] === null) { return -1; }
      if (a[0] < b[0]) { return -sign; }
      if (a[0] > b[0]) { return sign; }
      return a[1] - b[1];
    });
    rows = keyed.map(function (k) { return k[2]; });
    rows.forEach(function (row) { tbody.appendChild(row); });
    heads.forEach(function (th, i) { th.setAttribute("aria-sort", i === index ? direction : "none"); });
  }

  heads.forEach(function (th, index) {
    th.querySelector("button").addEventListener("click", function () {
      var now = th.getAttribute("aria-sort");
      var numeric = th.getAttribute("data-kind") === "num";
      var next = now === "none" ? (numeric ? "descending" : "ascending")
        : (now === "ascending" ? "descending" : "ascending");
      sortBy(index, next);
    });
  });

  function filter() {
    var v = vendor.value, s = status.value, t = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!v || row.getAttribute("data-vendor") === v) && (!s || row.getAttribute("data-status") === s) &&
        (!t || row.textContent.toLowerCase().indexOf(t) !== -1);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " accelerators";
  }

  [vendor, status].forEach(function (el) { el.addEventListener("change", filter); });
  text.addEventListener("input", filter);
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  filter();
}());
