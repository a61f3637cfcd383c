/* Vitrine: runs before first paint. Applies the saved colour theme and marks JS as available. */
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = localStorage.getItem("vitrine-theme");
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    if (localStorage.getItem("vitrine-nsfw") === "show") root.classList.add("nsfw-ok");
  } catch (e) { /* storage blocked: follow the system setting */ }
})();
