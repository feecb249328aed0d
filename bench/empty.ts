// The empty script of the start-up and import measurements: the runtime alone.
