/* Datasette's table pages: fold the column descriptions into a <details> and give each column
   header its description as a tooltip. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("th[data-column-description]").forEach(function (th) {
    th.title = th.getAttribute("data-column-description");
  });
  var list = document.querySelector("dl.column-descriptions");
  if (!list) { return; }
  var details = document.createElement("details");
  details.className = "fb-columns";
  var summary = document.createElement("summary");
  summary.textContent = "What the " + list.querySelectorAll("dt").length + " columns mean";
  details.appendChild(summary);
  list.parentNode.insertBefore(details, list);
  details.appendChild(list);
});
