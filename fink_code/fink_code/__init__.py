"""fink.code: CodeDeploy bundles and deployments"""
__version__ = "1.0.0"
