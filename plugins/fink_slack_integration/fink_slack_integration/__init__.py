"""fink plugin: announces deployments on Slack"""
