/* Progressive enhancement only; every page works without it. Inline scripts are forbidden by our CSP. */
(function () {
  "use strict";
  // <select data-autosubmit>: submit the form when the choice changes (language switcher, filters).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // <form data-confirm="question"> or <button data-confirm="question"> (a row button submitting a shared form
  // through form= / formaction=): ask before a destructive POST.
  document.addEventListener("submit", function (event) {
    var question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // <button data-copy-from="id">: copy a field's text to the clipboard.
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(document.getElementById(button.dataset.copyFrom).value);
    });
  });

  // permissions/partials/sa_toggle.html marks the page; the SA Manager role box reveals the benefits group.
  var marker = document.querySelector("[data-sa-toggle]");
  if (!marker) { return; }
  var box = document.querySelector('input[name="roles"][value="' + marker.dataset.role + '"]');
  var group = document.getElementById("div_id_sa_benefits");
  if (!box || !group) { return; }
  function sync() { group.hidden = !box.checked; }
  box.addEventListener("change", sync);
  sync();
})();
