// Progressive enhancement for the KSB picker. Without JavaScript the full list of checkboxes is
// shown and works as it is. With it: the ticked KSBs are listed on top ("Chosen (n)"), each
// with a button that unticks it; the list filters by words or codes ("K3", "K3 S2") and by
// duty; and on a phone the full list stays folded away until a filter or "Show all" asks for
// it, so the form is not thousands of pixels tall. The checkboxes stay the only state: what is
// ticked is what is saved.
(function () {
  "use strict";
  var CODE = /^[ksb][0-9]+$/;
  var SMALL_SCREEN = "(max-width: 767.98px)";

  document.querySelectorAll("fieldset.ksb-picker").forEach(function (picker) {
    var tools = picker.querySelector("[data-picker-tools]");
    var filter = picker.querySelector("[data-picker-filter]");
    var duty = picker.querySelector("[data-picker-duty]");
    var count = picker.querySelector("[data-picker-count]");
    var showAll = picker.querySelector("[data-picker-all]");
    var chosenList = picker.querySelector("[data-picker-chosen]");
    var chosenHeading = picker.querySelector("[data-picker-chosen-heading]");
    var none = picker.querySelector("[data-picker-none]");
    var choices = Array.prototype.slice.call(picker.querySelectorAll(".ksb-choice"));
    if (!tools || !filter || !duty || !count || !showAll || !chosenList) {
      return;
    }
    tools.hidden = false;
    var expanded = !(window.matchMedia && window.matchMedia(SMALL_SCREEN).matches);

    function matches(choice, words, number) {
      if (number && choice.getAttribute("data-duties").indexOf(" " + number + " ") === -1) {
        return false;
      }
      if (!words.length) {
        return true;
      }
      if (words.every(function (word) { return CODE.test(word); })) {
        // Codes name KSBs exactly: "k2" is K2, not K20; several codes show each of them.
        return words.indexOf(choice.getAttribute("data-ksb-code")) !== -1;
      }
      var text = choice.getAttribute("data-ksb-text");
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    }

    function apply() {
      var words = filter.value.trim().toLowerCase().split(/[\s,]+/).filter(Boolean);
      var number = duty.value;
      var filtering = words.length > 0 || number !== "";
      var shown = 0;
      choices.forEach(function (choice) {
        var visible = filtering ? matches(choice, words, number) : expanded;
        choice.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      picker.querySelectorAll(".ksb-picker-group").forEach(function (group) {
        group.hidden = !group.querySelector(".ksb-choice:not([hidden])");
      });
      showAll.hidden = filtering;
      showAll.setAttribute("aria-expanded", String(expanded));
      showAll.textContent = expanded ? "Hide the full list" : "Show all " + choices.length + " KSBs";
      if (filtering) {
        count.textContent = shown
          ? shown + " of " + choices.length + " KSBs shown"
          : "No KSB matches: try other words, or another duty.";
      } else if (expanded) {
        count.textContent = "All " + choices.length + " KSBs shown";
      } else {
        count.textContent = "Filter by words, codes or a duty to find KSBs.";
      }
    }

    function removeButton(choice, input) {
      var code = choice.getAttribute("data-ksb-code").toUpperCase();
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.textContent = "Remove";
      button.setAttribute("aria-label", "Remove " + code);
      button.addEventListener("click", function () {
        var item = button.closest("li");
        var next = item.nextElementSibling || item.previousElementSibling;
        var nextCode = next ? next.getAttribute("data-code") : null;
        input.checked = false;
        showChosen();
        var target = nextCode && chosenList.querySelector('li[data-code="' + nextCode + '"] button');
        (target || filter).focus();
      });
      return button;
    }

    function showChosen() {
      var ticked = choices.filter(function (choice) {
        return choice.querySelector("input").checked;
      });
      chosenList.textContent = "";
      ticked.forEach(function (choice) {
        var input = choice.querySelector("input");
        var label = choice.querySelector("label");
        var code = choice.getAttribute("data-ksb-code").toUpperCase();
        var item = document.createElement("li");
        item.className = "ksb-chosen-item";
        item.setAttribute("data-code", code);
        var text = document.createElement("span");
        var strong = document.createElement("strong");
        strong.textContent = code;
        text.appendChild(strong);
        var words = label.cloneNode(true);
        words.querySelectorAll("strong, .small").forEach(function (part) { part.remove(); });
        text.appendChild(document.createTextNode(" " + words.textContent.trim()));
        item.appendChild(text);
        item.appendChild(removeButton(choice, input));
        chosenList.appendChild(item);
      });
      chosenHeading.textContent = "Chosen (" + ticked.length + ")";
      none.hidden = ticked.length > 0;
    }

    filter.addEventListener("input", apply);
    // Enter in the filter box would submit the whole form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    duty.addEventListener("change", apply);
    showAll.addEventListener("click", function () {
      expanded = !expanded;
      apply();
    });
    picker.addEventListener("change", function (event) {
      if (event.target.name === "ksbs") {
        showChosen();
      }
    });
    showChosen();
    apply();
  });
})();
