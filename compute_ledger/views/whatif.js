// The what-if panel's glue (compute_ledger/views/whatif.py wraps it in a function of `config`). No projection maths
// here: the chain runs as the Vega transforms of config.spec (compute_ledger/chain.py). This script only moves values
// between the form, the Vega signals, the address bar, the numbers shown and the YAML download.
var root = document.currentScript.closest(".cl-whatif");
var fields = config.fields;
var defaults = {};
fields.forEach(function (field) { defaults[field.key] = field.value; });
var state = Object.assign({}, defaults);
var view = null;
var requested = 0;
var status = root.querySelector('[data-role="status"]');
var significant = new Intl.NumberFormat("en", {maximumSignificantDigits: 3});

function input(key, role) {
  return root.querySelector('input[data-key="' + key + '"][data-role="' + role + '"]');
}

function valid(field, value) {
  if (typeof value !== "number" || !isFinite(value)) return false;
  if (value < field.minimum || value > field.maximum) return false;
  return field.key !== "horizon" || Number.isInteger(value);
}

function readAddress() {
  var query = new URLSearchParams(window.location.search);
  fields.forEach(function (field) {
    if (!query.has(field.key)) return;
    var text = query.get(field.key);
    if (field.optional && text === "none") { state[field.key] = null; return; }
    var value = text.trim() === "" ? NaN : Number(text);
    if (valid(field, value)) state[field.key] = value;
  });
}

function writeAddress() {
  var query = new URLSearchParams(window.location.search);
  var asBook = fields.every(function (field) { return state[field.key] === defaults[field.key]; });
  fields.forEach(function (field) {
    var value = state[field.key];
    if (asBook) query.delete(field.key);
    else query.set(field.key, value === null ? "none" : String(value));
  });
  var text = query.toString();
  window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : "") + window.location.hash);
}

function showInputs() {
  fields.forEach(function (field) {
    var value = state[field.key];
    var number = input(field.key, "number");
    var slider = input(field.key, "slider");
    var none = input(field.key, "none");
    if (none) { none.checked = value === null; number.disabled = value === null; }
    if (value === null) return;
    if (document.activeElement !== number) number.value = String(value);
    number.removeAttribute("aria-invalid");
    if (slider) slider.value = String(value);
  });
}

function money(value) {
  var units = [[1e12, " trillion"], [1e9, " billion"], [1e6, " million"]];
  for (var i = 0; i < units.length; i += 1) {
    if (Math.abs(value) >= units[i][0]) return "$" + significant.format(value / units[i][0]) + units[i][1];
  }
  return "$" + significant.format(value);
}

function text(column, value, horizon) {
  if (config.milestones.indexOf(column) >= 0) return isNaN(value) ? "not by " + horizon : String(value);
  if (column === "accelerators") return value >= 1e6 ? significant.format(value / 1e6) + " million" : significant.format(value);
  if (column === "facility_power_mw") return significant.format(value / 1000) + " GW";
  if (column === "energy_twh") return significant.format(value) + " TWh";
  return money(value);
}

function showNumbers() {
  var horizon = state.horizon;
  var row = view.data(config.dataset).filter(function (item) { return item.year === horizon; })[0];
  config.numbers.concat(config.milestones).forEach(function (column) {
    var output = root.querySelector('output[data-number="' + column + '"]');
    output.setAttribute("data-value", String(row[column]));
    output.textContent = text(column, row[column], horizon);
  });
  root.querySelectorAll('[data-role="horizon-year"]').forEach(function (element) {
    element.textContent = String(horizon);
  });
  root.setAttribute("data-horizon", String(horizon));
}

function recompute() {
  requested += 1;
  var mine = requested;
  root.setAttribute("data-requested", String(mine));
  if (!view) return;
  var start = performance.now();
  fields.forEach(function (field) {
    view.signal(field.signal, state[field.key] === null ? Infinity : state[field.key]);
  });
  view.runAsync().then(function () {
    if (mine !== requested) return;
    showNumbers();
    root.setAttribute("data-recompute-ms", String(performance.now() - start));
    root.setAttribute("data-version", String(mine));
  });
}

function changed() {
  showInputs();
  writeAddress();
  recompute();
}

function yamlValue(value) {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  var written = String(value);
  // YAML 1.1 (PyYAML) reads an exponent as a float only with a decimal point: 1e-7 -> 1.0e-7.
  if (written.indexOf("e") >= 0 && written.indexOf(".") < 0) written = written.replace("e", ".0e");
  return written;
}

function yaml() {
  var lines = config.yamlHeader.map(function (line) { return "# " + line; });
  fields.forEach(function (field) { lines.push(field.key + ": " + yamlValue(state[field.key])); });
  Object.keys(config.others).sort().forEach(function (key) { lines.push(key + ": " + yamlValue(config.others[key])); });
  return lines.join("\n") + "\n";
}

fields.forEach(function (field) {
  var number = input(field.key, "number");
  var slider = input(field.key, "slider");
  var none = input(field.key, "none");
  number.addEventListener("input", function () {
    var value = number.value.trim() === "" ? NaN : Number(number.value);
    if (!valid(field, value)) { number.setAttribute("aria-invalid", "true"); return; }
    state[field.key] = value;
    changed();
  });
  number.addEventListener("change", showInputs);
  if (slider) {
    slider.addEventListener("input", function () {
      state[field.key] = Number(slider.value);
      changed();
    });
  }
  if (none) {
    none.addEventListener("change", function () {
      var typed = number.value.trim() === "" ? NaN : Number(number.value);
      state[field.key] = none.checked ? null : (valid(field, typed) ? typed : field.maximum);
      changed();
    });
  }
});

root.querySelector('[data-role="reset"]').addEventListener("click", function () {
  state = Object.assign({}, defaults);
  changed();
});

root.querySelector('[data-role="download"]').addEventListener("click", function () {
  var link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([yaml()], {type: "application/x-yaml"}));
  link.download = "compute-ledger-what-if.yaml";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
});

readAddress();
showInputs();
if (!window.__computeLedgerVega) {
  window.__computeLedgerVega = new Promise(function (resolve, reject) {
    var base = document.documentElement.getAttribute("data-content_root") || "./";
    var script = document.createElement("script");
    script.src = base + config.bundle;
    script.onload = resolve;
    script.onerror = function () { reject(new Error("could not load " + script.src)); };
    document.head.appendChild(script);
  });
}
window.__computeLedgerVega
  .then(function () {
    return vegaEmbed(root.querySelector(".cl-whatif-chart"), config.spec, {actions: false, renderer: "svg"});
  })
  .then(function (result) {
    view = result.view;
    recompute();
  })
  .catch(function (error) {
    status.textContent = "The what-if could not start: " + error;
    console.error(error);
  });
