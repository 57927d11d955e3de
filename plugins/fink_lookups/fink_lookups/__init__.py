"""fink plugin: resolves lookup: values from stacks, SSM, credstash and ACM"""
