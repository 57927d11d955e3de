def greeting():
    return "hello from the gcdt sample"
