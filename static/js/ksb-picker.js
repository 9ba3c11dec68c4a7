// Progressive enhancement for the KSB picker: filter the checkbox list by words or code and
// by duty. Without JavaScript the full list is shown and works as it is.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.ksb-picker").forEach(function (picker) {
    var tools = picker.querySelector("[data-picker-tools]");
    var filter = picker.querySelector("[data-picker-filter]");
    var duty = picker.querySelector("[data-picker-duty]");
    var count = picker.querySelector("[data-picker-count]");
    var choices = Array.prototype.slice.call(picker.querySelectorAll(".ksb-choice"));
    if (!tools || !filter || !duty) {
      return;
    }
    tools.hidden = false;

    function apply() {
      var words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var number = duty.value;
      var shown = 0;
      choices.forEach(function (choice) {
        var text = choice.getAttribute("data-ksb-text");
        var duties = choice.getAttribute("data-duties");
        var visible = words.every(function (word) { return text.indexOf(word) !== -1; }) &&
          (!number || duties.indexOf(" " + number + " ") !== -1);
        // Ticked KSBs stay visible so a filter never hides what will be saved.
        if (choice.querySelector("input").checked) {
          visible = true;
        }
        choice.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      picker.querySelectorAll(".ksb-picker-group").forEach(function (group) {
        group.hidden = !group.querySelector(".ksb-choice:not([hidden])");
      });
      count.textContent = shown + " of " + choices.length + " KSBs shown";
    }

    filter.addEventListener("input", apply);
    duty.addEventListener("change", apply);
    apply();
  });
})();
