"""fink plugin: builds deterministic code bundles for lambda and code"""
