# TenCentYun, the firmware's Tencent Cloud IoT client (QuecPython ports/quectel/core/TenCentYun.py), written for
# CPython on umqtt with the same API: TXyun(productID, devicename, devicePsk, ProductSecret=None),
# setMqtt(clean_session=True, keepAlive=300, reconn=True, pingmaxnum=0), setCallback, subscribe, publish, start,
# ping, disconnect, close, getTXyunsta, error_register_cb. Credentials as the firmware computes them: client id
# "<productID><devicename>", user "<clientid>;12010126;<connid>;<expiry>" (a random 5-digit connid, expiry an hour
# from now), password HMAC-SHA256(base64-decoded devicePsk, user) in hex + ";hmacsha256".
# The broker is <productID>.iotcloud.tencentdevices.com:1883: --resolve points it anywhere.
import base64 as _base64
import binascii as _binascii
import hashlib as _hashlib
import hmac as _hmac
import random as _random

import utime
import _usock_cloud
from umqtt import MQTTClient


class TXyun(_usock_cloud.CloudClient):
    _warning = 'Try to reconnect'  # what the firmware's warning line says after a failed subscribe or publish

    def __init__(self, productID, devicename, devicePsk, ProductSecret=None):
        if not isinstance(productID, str) or not isinstance(devicename, str):
            raise TypeError('productID and devicename must be str')
        self.productID = productID
        self.devicename = devicename
        self.devicePsk = devicePsk
        self.ProductSecret = ProductSecret
        self.mqtt_server = '{}.iotcloud.tencentdevices.com'.format(productID)
        self.username = None
        self.password = None
        self.clientid = '{}{}'.format(productID, devicename)
        self.mqtt_client = None
        self.callback = self.setCallback
        self.recvCb = None
        self.url = 'http://ap-guangzhou.gateway.tencentdevices.com/register/dev'
        self.flag = True
        self.mqttObj = True
        self.reconn = True
        self.error_callback = None

    def setMqtt(self, clean_session=True, keepAlive=300, reconn=True, pingmaxnum=0):
        """Connects: 0 on success, -1 on failure, as the firmware."""
        self.reconn = reconn
        if not self.mqttObj and self.mqtt_client is not None:
            return self.mqtt_client
        if self.ProductSecret is not None and not self.devicePsk:
            # dynamic registration posts to Tencent's register service and keeps the key in /usr/tx_secret.json:
            # not done on the PC (see docs/scripts.md)
            print('[ERROR] TenCentYun dynamic registration (ProductSecret without devicePsk) is not supported by usock run')
            return -1
        try:
            self.mqtt_client = self.connect(keepAlive, clean_session, reconn=reconn, pingmaxnum=pingmaxnum)
            return 0
        except Exception as e:
            print('[ERROR] connect failed. Error : %s' % str(e))
            return -1

    def connect(self, keepAlive, clean_session, reconn, pingmaxnum):
        self.formatConnectInfo()
        client = MQTTClient(self.clientid, self.mqtt_server, 1883, self.username, self.password, keepAlive,
                            reconn=reconn, pingmaxnum=pingmaxnum)
        client.set_callback(self.proc)
        if self.error_callback is not None:
            client.error_register_cb(self.error_callback)
        client.connect(clean_session=clean_session)
        self.mqttObj = False
        return client

    def proc(self, topic, msg):
        if self.recvCb is not None:
            return self.recvCb(topic, msg)

    def formatConnectInfo(self):
        expiry = int(utime.mktime(utime.localtime())) + 60 * 60
        connid = self.rundom()
        self.username = '{};12010126;{};{}'.format(self.clientid, connid, expiry)
        try:
            key = _base64.b64decode(self.devicePsk)
        except (TypeError, ValueError, _binascii.Error):
            raise ValueError('Key generation exception!Please check the device properties') from None
        token = _hmac.new(key, msg=self.username.encode(), digestmod=_hashlib.sha256).hexdigest()
        self.password = '{};{}'.format(token, 'hmacsha256')

    def setCallback(self, callback):
        self.recvCb = callback

    def disconnect(self):
        self.flag = False
        self.mqttObj = True
        self.mqtt_client.disconnect()

    def getTXyunsta(self):
        return self._state()

    def start(self):
        self._start_listening()

    def rundom(self):
        return int(''.join(str(_random.randint(1, 10)) for _ in range(5)))
