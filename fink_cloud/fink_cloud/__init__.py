"""fink.cloud: CloudFormation deployments from troposphere templates"""
__version__ = "1.0.0"
