// Plaudit button loader:
//   <script async src=".../embed.js" data-plaudit-creator="0x.." data-plaudit-url="https://.." data-plaudit-title="..."></script>
// Replaces itself with the button iframe served from the same origin as this script. Without
// data-plaudit-url the item is this page (location.href); without data-plaudit-title its title is this
// page's document.title. The button cleans and bounds the title (protocol cleanItemTitle) and shows it
// only as text.
(function () {
  // More than the button keeps (200 characters): it trims whitespace and controls before clipping.
  var MAX_RAW_TITLE = 1000;
  var script = document.currentScript;
  if (!script || !script.src) return;
  var src = new URL("button.html", script.src);
  src.searchParams.set("creator", script.getAttribute("data-plaudit-creator") || "");
  src.searchParams.set("url", script.getAttribute("data-plaudit-url") || location.href);
  var declared = script.getAttribute("data-plaudit-title");
  var title = declared !== null ? declared : document.title || "";
  if (title) src.searchParams.set("title", title.slice(0, MAX_RAW_TITLE));
  var frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = "Plaudit button";
  frame.width = "260"; // protocol BUTTON_WIDTH
  frame.height = "44";
  frame.style.border = "0";
  frame.style.overflow = "hidden";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
