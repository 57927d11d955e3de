exports.hello = () => "hello from localdep";
