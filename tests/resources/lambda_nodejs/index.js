const tiny = require("tiny");

exports.handler = async (event) => {
  if (event.lambda_action === "ping") {
    return tiny.alive();
  }
  return { ok: true };
};
