// django-celery-beat's periodic task form: say the chosen crontab in words under the field.
(() => {
  const $ = django.jQuery;
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const readableCrontabs = read("readable-crontabs");
  const originalHelp = read("crontab-help");
  const inWords = read("crontab-in-words");
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(() => {
    const help = $(".field-crontab .help");
    help.text(originalHelp);
    help.append(document.createElement("br"), `${inWords} ${readableCrontabs[$("#id_crontab").val()] || ""}`);
  });
})();
