# modem stand-in: the device's identity, fixed values a run can set (--imei, or USOCK_IMEI, USOCK_MODEL, USOCK_SN,
# USOCK_FW_VERSION, USOCK_PRODUCT_ID, USOCK_MAC).
import _usock_config as _c


def getDevImei():
    return _c.get('imei', '860000000000000')


def getDevModel():
    return _c.get('model', 'EC600N')


def getDevSN():
    return _c.get('sn', 'USOCK00000000001')


def getDevFwVersion():
    return _c.get('fw_version', 'EC600NCNLCR01A01M16_OCPU_QPY_USOCK')


def getDevProductId():
    return _c.get('product_id', 'Quectel')


def getDevMAC():
    return _c.get('mac', '02:00:00:00:00:01')
