// Importing the package root and nothing else: its cost over bench/empty.ts is the import time.
import "../mod.ts";
