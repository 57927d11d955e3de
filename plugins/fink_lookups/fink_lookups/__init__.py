"""fink plugin: resolves lookup: values from stacks, SSM parameters, credstash secrets and ACM certificates."""
