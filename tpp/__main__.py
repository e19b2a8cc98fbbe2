from tpp.cli import main

main()
