"""fink plugin: greets the user (the reference plugin for plugin authors)"""
