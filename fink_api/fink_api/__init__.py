"""fink.api: API Gateway deployments from swagger/OpenAPI"""
__version__ = "1.0.0"
