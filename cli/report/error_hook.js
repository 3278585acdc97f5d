// Installed first (in <head>), so errors of the main script, even syntax
// errors, are recorded: listed in #js-errors and flagged on the body element.
(function () {
  function record(msg) {
    var box = document.getElementById('js-errors');
    if (box) { var li = document.createElement('li'); li.textContent = msg; box.appendChild(li); box.hidden = false; }
    else { (window.__rfPendingErrors = window.__rfPendingErrors || []).push(msg); }
    if (document.body) document.body.setAttribute('data-render-status', 'error');
  }
  window.__rfRecordError = record;
  window.addEventListener('error', function (e) { record('error: ' + (e.message || e.type)); });
  window.addEventListener('unhandledrejection', function (e) { record('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () { record('console.error: ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
})();
