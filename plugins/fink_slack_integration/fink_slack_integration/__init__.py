"""fink plugin ``fink.slack-integration``: announces deployments on Slack (entry point: ``fink_slack_integration.slack``)."""
