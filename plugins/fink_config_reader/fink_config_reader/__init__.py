"""fink plugin: reads fink_<env>.json/.yaml/.py config files"""
