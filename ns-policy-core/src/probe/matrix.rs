//! The probe matrix: one value per ordered pair of namespaces (client in
//! `from`, server in `to`, same-namespace pairs included) and port. The
//! prediction and the observation fill the same type; only this module
//! knows how cells are laid out.

use serde::{Serialize, Serializer};

/// One cell: indices into the namespaces (client's, server's) and ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    /// Index of the client's namespace.
    pub from: usize,
    /// Index of the server's namespace.
    pub to: usize,
    /// Index of the port.
    pub port: usize,
}

/// Values by cell, in cell order: by client namespace, then server
/// namespace, then port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix<T> {
    namespaces: usize,
    ports: usize,
    cells: Vec<T>,
}

impl<T> Matrix<T> {
    /// Fills a `namespaces` × `namespaces` × `ports` matrix from `f`.
    pub fn from_fn(namespaces: usize, ports: usize, mut f: impl FnMut(Cell) -> T) -> Self {
        let mut cells = Vec::with_capacity(namespaces * namespaces * ports);
        for from in 0..namespaces {
            for to in 0..namespaces {
                for port in 0..ports {
                    cells.push(f(Cell { from, to, port }));
                }
            }
        }
        Matrix {
            namespaces,
            ports,
            cells,
        }
    }

    /// A matrix of the values in cell order; `None` when their number does
    /// not fit the dimensions.
    pub fn from_cells(namespaces: usize, ports: usize, cells: Vec<T>) -> Option<Self> {
        (cells.len() == namespaces * namespaces * ports).then_some(Matrix {
            namespaces,
            ports,
            cells,
        })
    }

    /// Number of namespaces (rows and columns).
    pub fn namespaces(&self) -> usize {
        self.namespaces
    }

    /// Number of ports per pair.
    pub fn ports(&self) -> usize {
        self.ports
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True without cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    fn index(&self, c: Cell) -> usize {
        (c.from * self.namespaces + c.to) * self.ports + c.port
    }

    fn cell_at(&self, i: usize) -> Cell {
        Cell {
            from: i / self.ports / self.namespaces,
            to: (i / self.ports) % self.namespaces,
            port: i % self.ports,
        }
    }

    /// The value of a cell.
    pub fn get(&self, c: Cell) -> &T {
        &self.cells[self.index(c)]
    }

    /// The value of a cell, mutably.
    pub fn get_mut(&mut self, c: Cell) -> &mut T {
        let i = self.index(c);
        &mut self.cells[i]
    }

    /// The values of one pair, one per port.
    pub fn pair(&self, from: usize, to: usize) -> &[T] {
        let start = self.index(Cell { from, to, port: 0 });
        &self.cells[start..start + self.ports]
    }

    /// Every cell.
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        (0..self.cells.len()).map(|i| self.cell_at(i))
    }

    /// Cells with their values, in cell order.
    pub fn iter(&self) -> impl Iterator<Item = (Cell, &T)> {
        self.cells
            .iter()
            .enumerate()
            .map(|(i, v)| (self.cell_at(i), v))
    }

    /// The values in cell order.
    pub fn values(&self) -> &[T] {
        &self.cells
    }

    /// A matrix of the same shape with `f` applied to every value.
    pub fn map<U>(&self, mut f: impl FnMut(Cell, &T) -> U) -> Matrix<U> {
        Matrix {
            namespaces: self.namespaces,
            ports: self.ports,
            cells: self.iter().map(|(c, v)| f(c, v)).collect(),
        }
    }

    /// Like [`Matrix::from_fn`], on up to `threads` threads (for big
    /// offline matrices).
    pub fn from_fn_parallel(
        namespaces: usize,
        ports: usize,
        threads: usize,
        f: impl Fn(Cell) -> T + Sync,
    ) -> Self
    where
        T: Send,
    {
        let shape = Matrix::<()> {
            namespaces,
            ports,
            cells: Vec::new(),
        };
        let total = namespaces * namespaces * ports;
        let threads = threads.clamp(1, total.max(1));
        if threads == 1 {
            return Matrix::from_fn(namespaces, ports, f);
        }
        let chunk = total.div_ceil(threads);
        let cells = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..total)
                .step_by(chunk)
                .map(|start| {
                    let (f, shape) = (&f, &shape);
                    scope.spawn(move || {
                        (start..(start + chunk).min(total))
                            .map(|i| f(shape.cell_at(i)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(total);
            for h in handles {
                match h.join() {
                    Ok(mut part) => all.append(&mut part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            all
        });
        Matrix {
            namespaces,
            ports,
            cells,
        }
    }
}

/// Serialized as the list of values in cell order (the `results` of a
/// probe report).
impl<T: Serialize> Serialize for Matrix<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.cells.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_ordered_by_client_then_server_then_port() {
        let m = Matrix::from_fn(3, 2, |c| (c.from, c.to, c.port));
        assert_eq!(m.len(), 18);
        for (i, (c, v)) in m.iter().enumerate() {
            assert_eq!(*v, (c.from, c.to, c.port));
            assert_eq!(i, (c.from * 3 + c.to) * 2 + c.port);
        }
        assert_eq!(m.pair(2, 1), &[(2, 1, 0), (2, 1, 1)]);
        assert_eq!(
            *m.get(Cell {
                from: 1,
                to: 2,
                port: 1
            }),
            (1, 2, 1)
        );
    }

    #[test]
    fn parallel_fill_equals_serial_fill() {
        let f = |c: Cell| c.from * 100 + c.to * 10 + c.port;
        assert_eq!(
            Matrix::from_fn_parallel(7, 3, 4, f),
            Matrix::from_fn(7, 3, f)
        );
        assert!(Matrix::from_cells(2, 1, vec![1, 2, 3]).is_none());
    }
}
