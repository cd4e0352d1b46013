# net stand-in: a good signal, registered on the home network, LTE.


def csqQueryPoll():
    return 28


def getState():
    return [1, 0, 0, 7, 0, 0], [1, 0, 0, 7, 0, 0]


def getNetMode():
    return 0, 0, 7, 7


def getConfig():
    return 5, False


def getSignal():
    return [99, 99, 255, 255, 255, 255], [-70, -100, -10, 15]


def operatorName():
    return 'USOCK', 'USOCK', '001', '01'
