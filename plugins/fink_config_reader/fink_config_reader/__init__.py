"""fink plugin: reads fink_<env>.json/.yaml/.yml/.py config files (with baseconfig chains and ignore patterns)."""
