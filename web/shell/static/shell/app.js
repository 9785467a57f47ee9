// Behaviour every page shares. Pages work without it; it only saves a click or formats for the reader.
window.Clearground = window.Clearground || {};
(function (C) {
  const lang = document.documentElement.lang || "en";
  // Numbers and dates as the reader's language writes them (Arabic digits stay Latin: "ar-u-nu-latn"
  // is what Arabic-speaking mine action offices use in their forms).
  const locale = lang === "ar" ? "ar-u-nu-latn" : lang;
  C.locale = locale;
  C.number = (value, digits) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits ?? 0 }).format(value);
  C.date = (iso) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
  C.csrf = () => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})(window.Clearground);
