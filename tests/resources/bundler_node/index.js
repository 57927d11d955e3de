const dep = require("localdep"); exports.handler = async () => dep.hello();
