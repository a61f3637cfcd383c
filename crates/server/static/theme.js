/* Vitrine: runs before first paint. Applies the visitor's saved colour theme (or, with none
   saved, the site default the server already put in data-theme) and marks JS as available. */
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = localStorage.getItem("vitrine-theme");
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else if (theme === "system") root.removeAttribute("data-theme");
    if (localStorage.getItem("vitrine-nsfw") === "show") root.classList.add("nsfw-ok");
  } catch (e) { /* storage blocked: keep the site default */ }
})();
