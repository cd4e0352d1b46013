# sms stand-in: there is no SIM network. A sent message is not delivered: it is printed on stderr
# ("usock: sms to NUMBER not sent (no modem): TEXT") and the call returns 0; the inbox is empty.
import sys

_center = ['+8613800000000']
_save = ['SM', 'SM', 'SM']


def _send(kind, phoneNumber, msg, codeMode):
    if not isinstance(phoneNumber, str) or not isinstance(msg, str):
        raise TypeError('sms.%s(phoneNumber, msg, codeMode) takes strings' % kind)
    sys.stderr.write('usock: sms to %s not sent (no modem): %s\n' % (phoneNumber, msg))
    return 0


def sendTextMsg(phoneNumber, msg, codeMode='GSM'):
    return _send('sendTextMsg', phoneNumber, msg, codeMode)


def sendPduMsg(phoneNumber, msg, codeMode='GSM'):
    return _send('sendPduMsg', phoneNumber, msg, codeMode)


def deleteMsg(index, delmode=0):
    return 0


def setSaveLoc(mem1, mem2, mem3):
    _save[:] = [mem1, mem2, mem3]
    return 0


def getSaveLoc():
    return tuple([m, 0, 50] for m in _save)


def getMsgNums():
    return 0


def searchPduMsg(index):
    return -1


def searchTextMsg(index):
    return -1


def getPduLength(pduMsg):
    return -1


def decodePdu(pduMsg, pduLen):
    return -1


def getCenterAddr():
    return _center[0]


def setCenterAddr(addr):
    _center[0] = addr
    return 0


def setCallback(usrFun):
    return 0
