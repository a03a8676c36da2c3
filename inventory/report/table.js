// Tables you can work in, offline: filter, search, sort, expand a row. No network, no libraries.
(function () {
  "use strict";
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function key(td) {
    var v = td.getAttribute("data-v");
    if (v !== null && v !== "" && !isNaN(v)) return parseFloat(v);
    return (v === null ? td.textContent : v).trim();
  }
  each(document.querySelectorAll("div.tbl"), function (box) {
    var table = box.querySelector("table"), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr.r"));
    var heads = body.querySelectorAll("tr.g"), count = box.querySelector(".count");
    var search = box.querySelector("input.q"), selects = box.querySelectorAll("select.f");
    var detail = box.querySelector("script.detail"), cols = null, data = null;
    if (detail) { var parsed = JSON.parse(detail.textContent); cols = parsed[0]; data = parsed[1]; }
    function apply() {
      var words = search ? search.value.trim().toLowerCase().split(/\s+/).filter(Boolean) : [];
      var wanted = [];
      each(selects, function (s) { wanted.push([s.getAttribute("data-f"), s.value]); });
      var shown = 0, perGroup = {};
      rows.forEach(function (tr) {
        var ok = wanted.every(function (w) { return !w[1] || tr.getAttribute("data-f" + w[0]).split("\n").indexOf(w[1]) >= 0; });
        if (ok && words.length) {
          var text = tr.textContent.toLowerCase();
          ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        }
        tr.hidden = !ok;
        var next = tr.nextElementSibling;
        if (next && next.className === "d") next.hidden = !ok;
        if (ok) { shown++; var g = tr.getAttribute("data-g"); if (g) perGroup[g] = (perGroup[g] || 0) + 1; }
      });
      each(heads, function (h) {
        var n = perGroup[h.getAttribute("data-g")] || 0;
        h.hidden = n === 0;
        var label = h.querySelector(".n");
        if (label) label.textContent = n;
      });
      if (count) count.textContent = shown === rows.length ? "共 " + rows.length + " 行" : "显示 " + shown + " / 共 " + rows.length + " 行";
    }
    if (search) search.addEventListener("input", apply);
    each(selects, function (s) { s.addEventListener("change", apply); });
    var reset = box.querySelector("button.reset");
    if (reset) reset.addEventListener("click", function () {
      if (search) search.value = "";
      each(selects, function (s) { s.value = ""; });
      apply();
    });
    if (!heads.length) {
      each(table.tHead.rows[table.tHead.rows.length - 1].cells, function (th, i) {
        th.classList.add("sortable");
        th.title = "点击排序";
        th.addEventListener("click", function () {
          var up = th.getAttribute("aria-sort") !== "ascending";
          each(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", up ? "ascending" : "descending");
          rows.sort(function (a, b) {
            var x = key(a.cells[i]), y = key(b.cells[i]);
            var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
            return up ? c : -c;
          });
          rows.forEach(function (tr) {
            var next = tr.nextElementSibling, open = next && next.className === "d" ? next : null;
            body.appendChild(tr);
            if (open) body.appendChild(open);
          });
        });
      });
    }
    if (data) {
      body.addEventListener("click", function (ev) {
        var tr = ev.target.closest("tr.r");
        if (!tr) return;
        var next = tr.nextElementSibling;
        if (next && next.className === "d") { next.remove(); tr.classList.remove("open"); return; }
        var values = data[+tr.getAttribute("data-i")], row = document.createElement("tr"), td = document.createElement("td");
        row.className = "d";
        td.colSpan = tr.cells.length;
        var dl = document.createElement("dl");
        cols.forEach(function (c, j) {
          if (values[j] === "") return;
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = c;
          dd.textContent = values[j];
          dl.appendChild(dt);
          dl.appendChild(dd);
        });
        td.appendChild(dl);
        row.appendChild(td);
        tr.after(row);
        tr.classList.add("open");
      });
    }
    apply();
  });
})();
