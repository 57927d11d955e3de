"""fink.lambda: AWS Lambda deployments"""
__version__ = "1.0.0"
