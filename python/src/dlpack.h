/* dlpack.h -- the DLPack ABI as the Python package uses it, written from
 * the public specification (dmlc/dlpack, data-apis array API): a tensor
 * description (DLTensor), the legacy managed tensor behind "dltensor"
 * capsules and the versioned one (1.x) behind "dltensor_versioned". Only
 * the pieces tandem reads or writes are here; layouts match the spec. */
#ifndef TDMPY_DLPACK_H
#define TDMPY_DLPACK_H

#include <stdint.h>

#define TDMPY_DLPACK_MAJOR 1u
#define TDMPY_DLPACK_MINOR 0u

/* Device kinds (DLDeviceType); the values are fixed by the spec. */
enum { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3, kDLCUDAManaged = 13 };
/* Element kinds (DLDataTypeCode). */
enum { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBool = 6 };

typedef struct {
  int32_t device_type; /* one of the kDL* device kinds */
  int32_t device_id;
} DLDevice;

typedef struct {
  uint8_t code;   /* kDLInt, kDLUInt, kDLFloat, ... */
  uint8_t bits;   /* bits per lane */
  uint16_t lanes; /* 1 for scalars */
} DLDataType;

typedef struct {
  void *data;           /* base pointer (device memory for device tensors) */
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t *shape;       /* ndim extents */
  int64_t *strides;     /* ndim strides in elements; NULL = C-contiguous */
  uint64_t byte_offset; /* first element at data + byte_offset */
} DLTensor;

/* Legacy (pre-1.0) managed tensor: no version, no flags. */
typedef struct DLManagedTensor {
  DLTensor dl_tensor;
  void *manager_ctx;
  void (*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;

typedef struct {
  uint32_t major, minor;
} DLPackVersion;

#define DLPACK_FLAG_BITMASK_READ_ONLY (UINT64_C(1) << 0)
#define DLPACK_FLAG_BITMASK_IS_COPIED (UINT64_C(1) << 1)

/* Versioned managed tensor (DLPack >= 1.0): version first, so a consumer can
 * check it before reading anything else. */
typedef struct DLManagedTensorVersioned {
  DLPackVersion version;
  void *manager_ctx;
  void (*deleter)(struct DLManagedTensorVersioned *self);
  uint64_t flags;
  DLTensor dl_tensor;
} DLManagedTensorVersioned;

#endif
