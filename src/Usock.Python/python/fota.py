# fota stand-in: the firmware upgrade. Downloads the image into <project>/.usock_fota/firmware.bin and reports
# success; nothing is flashed and the device does not restart (the PC's "firmware" is usock).
import os

import _usock_device as _d


class fota:
    def __init__(self, reset_disable=1):
        self._path = None
        self._size = 0

    def _file(self):
        if self._path is None:
            self._path = os.path.join(_d.staging_dir(), 'firmware.bin')
            open(self._path, 'wb').close()
        return self._path

    def httpDownload(self, url1, url2=None, callback=None):
        """Downloads url1 into the staging file; callback((status, percent)): (0, 100) done, (-1, 0) failed."""
        try:
            data = _d.http_get(url1)
            with open(self._file(), 'wb') as f:
                f.write(data)
        except OSError:
            if callback is not None:
                callback((-1, 0))
            return -1
        if callback is not None:
            callback((0, 100))
        return 0

    def apn_set(self, fota_apn='', ip_type=0, fota_user='', fota_password=''):
        return 0

    def download_cancel(self):
        return 0

    def write(self, bytesData, file_size):
        if not isinstance(bytesData, (bytes, bytearray)):
            raise TypeError('fota.write needs bytes')
        with open(self._file(), 'ab') as f:
            f.write(bytesData)
        self._size = file_size
        return 0

    def flush(self):
        return 0

    def verify(self):
        return 0 if self._path and os.path.getsize(self._path) == self._size else -1
