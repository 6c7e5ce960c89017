// Plaudit button loader: <script async src=".../embed.js" data-plaudit-creator="0x.." data-plaudit-url="https://.."></script>
// Replaces itself with the button iframe served from the same origin as this script.
(function () {
  var script = document.currentScript;
  if (!script || !script.src) return;
  var src = new URL("button.html", script.src);
  src.searchParams.set("creator", script.getAttribute("data-plaudit-creator") || "");
  src.searchParams.set("url", script.getAttribute("data-plaudit-url") || location.href);
  var frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = "Plaudit button";
  frame.width = "180";
  frame.height = "44";
  frame.style.border = "0";
  frame.style.overflow = "hidden";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
