// Filter and sort the tables marked "cl-sortable" (the Data page). No dependencies, no network.
(function () {
  function cellText(row, index) {
    var cell = row.cells[index];
    var marked = cell.querySelector("[data-sort]");
    return marked ? marked.getAttribute("data-sort") : cell.textContent.trim();
  }
  function setUp(wrapper) {
    var table = wrapper.querySelector("table.cl-sortable");
    var filter = wrapper.querySelector("input.cl-filter");
    var count = wrapper.querySelector(".cl-count");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function showCount() {
      var shown = rows.filter(function (r) { return !r.hidden; }).length;
      count.textContent = shown + " of " + rows.length + " rows";
    }
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
      showCount();
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      header.querySelector("button").addEventListener("click", function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellText(a, index), y = cellText(b, index);
          var nx = Number(x), ny = Number(y);
          var numeric = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny);
          var order = numeric ? nx - ny : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
    showCount();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".cl-data"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
