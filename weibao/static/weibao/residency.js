// A check-in made from a phone is recorded as such (签到方式：手机).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia || !window.matchMedia("(pointer: coarse)").matches) return;
  document.querySelectorAll("input[data-channel]").forEach(function (input) { input.value = "phone"; });
});
