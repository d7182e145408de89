from recommender.cli.bootstrap import run

if __name__ == "__main__":
    run()
