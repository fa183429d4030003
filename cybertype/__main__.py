"""`python -m cybertype`: run the command."""
from cybertype.cli import main

main()
