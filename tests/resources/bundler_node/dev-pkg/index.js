exports.dev = true;
