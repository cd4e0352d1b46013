# sim stand-in: a SIM that is ready.


def getStatus():
    return 1


def getImsi():
    return '001010123456789'


def getIccid():
    return '89860000000000000000'


def getPhoneNumber():
    return ''
