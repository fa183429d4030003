from cybertype.cli import main

main()
