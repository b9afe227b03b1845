print("blockscope")
