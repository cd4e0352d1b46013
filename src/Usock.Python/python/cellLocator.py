# cellLocator stand-in: no cell towers, no location server: a fixed position, (longitude, latitude, accuracy_m),
# settable with USOCK_LOCATION="LON,LAT,ACCURACY". Nothing is sent.
import _usock_config


def getLocation(serverAddr, port, token, timeout, profileIdx=1):
    if not isinstance(serverAddr, str) or type(port) is not int:
        raise TypeError('getLocation(serverAddr: str, port: int, token: str, timeout: int[, profileIdx])')
    value = _usock_config.get('location', '116.397128,39.916527,550')
    lon, lat, acc = value.split(',')
    return float(lon), float(lat), int(acc)
